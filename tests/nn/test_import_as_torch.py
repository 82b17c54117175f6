"""The seeds' PyTorch scripts run with only the imports changed: ``import lucidnet as torch``."""

import numpy as np
import pytest

torch_reference = pytest.importorskip("torch")


def test_the_seeds_activation_gradient_script_runs_on_lucidnet():
    import lucidnet as torch
    from lucidnet import nn  # noqa: F401  (the seeds import it beside torch)

    x = torch.linspace(-20, 20, 1000, requires_grad=True)
    torch.sigmoid(x).sum().backward()
    reference = torch_reference.linspace(-20, 20, 1000, requires_grad=True)
    torch_reference.sigmoid(reference).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), reference.grad.numpy(), rtol=1e-5, atol=1e-7)
    for name in ("tanh", "relu"):
        ours, theirs = getattr(torch, name)(x), getattr(torch_reference, name)(reference)
        np.testing.assert_allclose(np.asarray(ours.detach()), theirs.detach().numpy(), atol=1e-6)


def test_the_seeds_softmax_and_model_scripts_run_on_lucidnet():
    import lucidnet as torch
    from lucidnet import nn

    scores = torch.tensor([0.2, 0.02, 0.15, 0.15, 1.3, 0.5, 0.06, 1.1, 0.05, 3.75])
    probabilities = torch.softmax(scores, dim=0)
    np.testing.assert_allclose(probabilities.numpy()[-1], 0.73921883, rtol=1e-6)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear1 = nn.Linear(3, 3)
            nn.init.xavier_normal_(self.linear1.weight)
            self.linear2 = nn.Linear(3, 2)
            nn.init.kaiming_normal_(self.linear2.weight)
            self.out = nn.Linear(2, 2)

        def forward(self, x):
            x = torch.sigmoid(self.linear1(x))
            x = torch.relu(self.linear2(x))
            return torch.softmax(self.out(x), dim=-1)

    my_data = torch.randn(5, 3)
    output = Model()(my_data)
    assert my_data.shape == (5, 3) and output.shape == (5, 2)
    np.testing.assert_allclose(output.numpy().sum(axis=1), 1.0, rtol=1e-6)
