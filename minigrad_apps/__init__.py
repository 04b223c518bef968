"""The application layer: what needs both the engine (`minigrad`) and the recurrent
networks (`models`).

    cli/         the `minigrad` command (render, bptt, train)
    tasks/       the lecture notes' tasks, trained end to end (`minigrad train TASK`)
    demos.py     the small demonstration models the command line and the gallery draw
    vanishing.py the vanishing-gradient experiment (`minigrad bptt`, the gallery)

Dependencies run one way: minigrad (engine -> nn/optim -> io, data, train, graph)
-> models -> minigrad_apps. Nothing below this package imports it
(tests/test_layering.py checks it with import-linter).
"""
