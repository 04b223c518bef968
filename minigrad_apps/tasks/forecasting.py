"""Task 3 (many-to-one regression): one-step forecasts of a seasonal series with trend.

Preprocessing, in the order that keeps the future out of training:
1. difference once (x_t - x_{t-1}) to remove the trend (differencing only looks back);
2. split the differenced series chronologically into train / val / test;
3. fit the scaler on the train part only, apply it everywhere;
4. cut windows of `input_len` past differences -> the next difference; a window
   belongs to the part that holds its target (its inputs are all earlier).
The forecast of x_{t+1} is x_t + predicted difference, scored in original units
against two baselines: naive (x_{t+1} = x_t) and seasonal naive (x_{t+1} = x_{t+1-P}).

    minigrad train forecasting [--quick] [--epochs N] [--seed S]
"""
import numpy as np

from minigrad import optim
from minigrad.data import StandardScaler, chronological_split, difference, seasonal_series
from minigrad.grad_mode import no_grad
from minigrad.creation import tensor
from minigrad.nn import functional as F
from minigrad.train import fit
from .common import Results, array_batches, seed_everything, timer


def prepare(series, input_len, train=0.7, val=0.15):
    """Windows of scaled differences and their split; see the module docstring.

    Returns:
        dict with X (N, input_len, 1), y (N, 1) scaled differences; part (N,) in
        {"train", "val", "test"}; target_time (N,) the index in `series` of each
        window's target value; the fitted scaler.
    """
    diffs, _ = difference(series)                       # diffs[i] = series[i+1] - series[i]
    train_part, val_part, _ = chronological_split(diffs, train, val)
    scaler = StandardScaler().fit(train_part)
    scaled = scaler.transform(diffs)
    starts = np.arange(len(diffs) - input_len)
    X = scaled[starts[:, None] + np.arange(input_len)][..., None]
    target_index = starts + input_len                   # index into diffs
    y = scaled[target_index][:, None]
    part = np.where(target_index < len(train_part), "train",
                    np.where(target_index < len(train_part) + len(val_part), "val", "test"))
    return dict(X=X.astype(np.float32), y=y.astype(np.float32), part=part,
                target_time=target_index + 1, scaler=scaler)


def scores(predicted, actual):
    err = predicted - actual
    return float(np.mean(err ** 2)), float(np.mean(np.abs(err)))


def run(quick=False, epochs=None, seed=0, progress=None):
    from models.architectures import SequenceClassifier
    results = Results("forecasting")
    seed_everything(seed)
    period = 12
    series = seasonal_series(n=400 if quick else 800, period=period, trend=0.02, noise=0.15,
                             seed=seed, amplitude=1.0)
    data = prepare(series, input_len=2 * period)
    is_train, is_test = data["part"] == "train", data["part"] == "test"
    model = SequenceClassifier(None, 1, 16 if quick else 32, 1, rnn="gru")
    optimizer = optim.Adam(model.parameters(), lr=1e-2 if quick else 5e-3)
    with timer() as elapsed:
        fit(model, F.mse_loss, optimizer,
            array_batches(data["X"][is_train], data["y"][is_train], 32, seed=seed),
            epochs=epochs or (15 if quick else 40),
            val_batches=[(tensor(data["X"][data["part"] == "val"]),
                          tensor(data["y"][data["part"] == "val"]))],
            early_stopping=None if quick else 8, progress=progress)
    model.eval()
    with no_grad():
        scaled_pred = model(tensor(data["X"][is_test])).data[:, 0].astype(np.float64)
    t = data["target_time"][is_test]
    diff_pred = data["scaler"].inverse_transform(scaled_pred)
    actual = series[t]
    forecasts = {
        f"gru h={model.rnn.hidden_size}": series[t - 1] + diff_pred,
        "naive last value": series[t - 1],
        "seasonal naive": series[t - period],
    }
    for name, predicted in forecasts.items():
        mse, mae = scores(predicted, actual)
        seconds = elapsed() if name.startswith("gru") else 0.0
        results.add(name, "test MSE", mse, seconds)
        results.add(name, "test MAE", mae, seconds)
    return results
