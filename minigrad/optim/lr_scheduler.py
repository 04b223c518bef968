"""Learning-rate schedules that rewrite each parameter group's "lr" (as torch.optim.lr_scheduler)."""


class StepLR:
    """Multiply each group's lr by gamma every `step_size` epochs; call `step()` once per
    epoch. As torch's, it is chainable: it scales the group's current lr, so a change made
    by hand (or by another scheduler) carries on. Without such changes,
    lr = initial_lr * gamma ** (epoch // step_size).
    """

    def __init__(self, optimizer, step_size, gamma=0.1):
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.base_lrs = [group.setdefault("initial_lr", group["lr"])
                         for group in optimizer.param_groups]
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def get_last_lr(self):
        """The lrs set by the last `step()` (the starting lrs before any)."""
        return list(self._last_lr)

    def step(self):
        self.last_epoch += 1
        if self.last_epoch % self.step_size == 0:
            for group in self.optimizer.param_groups:
                group["lr"] *= self.gamma
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
