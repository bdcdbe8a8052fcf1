from collections import OrderedDict

import numpy as np
import torch
from data_manager import DataManager
from flops_utils.ml_repo_templates import ModelManagerTemplate
from torch import nn

# TODO: adjust to your data. CIFAR-10 has 32 x 32 RGB images and 10 classes.
N_CLASSES = 10
# FLOps sends no per-round configuration, so local training settings live here.
LOCAL_EPOCHS = 1
LEARNING_RATE = 0.01
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def build_model() -> nn.Module:
    # A small CNN for 3 x 32 x 32 inputs: replace it with your own network.
    return nn.Sequential(
        nn.Conv2d(3, 16, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 8 * 8, 128),
        nn.ReLU(),
        nn.Linear(128, N_CLASSES),
    )


class ModelManager(ModelManagerTemplate):
    def __init__(self):
        # Runs on the aggregator too, which has no data: building the network initialises its
        # weights, which the aggregator sends out as the initial parameters. Never load data here.
        self.model = build_model().to(DEVICE)

    def set_model_data(self) -> None:
        self.train_loader, self.test_loader = DataManager().get_data()

    def get_model(self) -> nn.Module:
        return self.model

    def get_model_parameters(self) -> list[np.ndarray]:
        # Flower expects a list of numpy arrays, not a state_dict of tensors.
        return [tensor.cpu().numpy() for tensor in self.model.state_dict().values()]

    def set_model_parameters(self, parameters) -> None:
        # Same order as get_model_parameters.
        keys = self.model.state_dict().keys()
        state = OrderedDict((key, torch.tensor(value)) for key, value in zip(keys, parameters))
        self.model.load_state_dict(state, strict=True)

    def fit_model(self) -> int:
        self.model.train()
        criterion = nn.CrossEntropyLoss()
        optimizer = torch.optim.SGD(self.model.parameters(), lr=LEARNING_RATE, momentum=0.9)
        for _ in range(LOCAL_EPOCHS):
            for images, labels in self.train_loader:
                optimizer.zero_grad()
                loss = criterion(self.model(images.to(DEVICE)), labels.to(DEVICE))
                loss.backward()
                optimizer.step()
        # FedAvg weights this learner's update by its number of training examples.
        return int(len(self.train_loader.dataset))

    def evaluate_model(self) -> tuple[float, float, int]:
        self.model.eval()
        criterion = nn.CrossEntropyLoss(reduction="sum")
        total_loss, correct = 0.0, 0
        with torch.no_grad():
            for images, labels in self.test_loader:
                images, labels = images.to(DEVICE), labels.to(DEVICE)
                outputs = self.model(images)
                total_loss += criterion(outputs, labels).item()
                correct += (outputs.argmax(dim=1) == labels).sum().item()
        n = len(self.test_loader.dataset)
        # Flower needs a Python float loss and an int count, not tensors.
        return float(total_loss / max(n, 1)), float(correct / max(n, 1)), int(n)
