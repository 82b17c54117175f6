"""The seeds' three-layer model built the three ways (Keras Sequential, functional, PyTorch subclass)."""

from __future__ import annotations

import lucidnet as ln


def sequential_seed_model() -> ln.Sequential:
    return ln.Sequential(
        [
            ln.layers.Dense(
                3,
                activation="relu",
                kernel_initializer="he_normal",
                name="layer1",
                input_shape=(3,),
            ),
            ln.layers.Dense(2, activation="relu", kernel_initializer="he_normal", name="layer2"),
            ln.layers.Dense(2, activation="sigmoid", kernel_initializer="he_normal", name="layer3"),
        ],
        name="my_Sequential",
    )


def functional_seed_model() -> ln.Model:
    inputs = ln.Input(shape=(3,), name="input")
    x = ln.layers.Dense(3, activation="relu", name="layer1")(inputs)
    x = ln.layers.Dense(2, activation="relu", name="layer2")(x)
    outputs = ln.layers.Dense(2, activation="sigmoid", name="layer3")(x)
    return ln.Model(inputs=inputs, outputs=outputs, name="my_model")


class TorchStyleSeedModel(ln.Module):
    """Linear(3,3)+sigmoid -> Linear(3,2)+relu -> Linear(2,2)+softmax, as the PyTorch seed."""

    def __init__(self) -> None:
        super().__init__()
        self.linear1 = ln.layers.Linear(3, 3)
        ln.init.xavier_normal_(self.linear1.weight)
        self.linear2 = ln.layers.Linear(3, 2)
        ln.init.kaiming_normal_(self.linear2.weight)
        self.out = ln.layers.Linear(2, 2)

    def forward(self, x):
        x = ln.functional.sigmoid(self.linear1(x))
        x = ln.functional.relu(self.linear2(x))
        return ln.functional.softmax(self.out(x), axis=-1)
