import torch
from flops_utils.ml_repo_building_blocks import load_dataset
from flops_utils.ml_repo_templates import DataManagerTemplate
from torch.utils.data import DataLoader
from torchvision.transforms import Compose, Normalize, ToTensor

BATCH_SIZE = 32
TRANSFORM = Compose([ToTensor(), Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])


def to_batch(rows: list[dict]) -> tuple[torch.Tensor, torch.Tensor]:
    # TODO: change the column names if your dataset differs (cifar10: "img" and "label").
    images = torch.stack([TRANSFORM(row["img"]) for row in rows])
    labels = torch.tensor([row["label"] for row in rows])
    return images, labels


class DataManager(DataManagerTemplate):
    def __init__(self):
        self.train_loader, self.test_loader = self._prepare_data()

    def _prepare_data(self) -> tuple[DataLoader, DataLoader]:
        # All of this node's data for the project's data tags, as one HuggingFace Dataset;
        # without a format, rows are Python dicts and images are PIL images.
        dataset = load_dataset().with_format(None)
        splits = dataset.train_test_split(test_size=0.2, seed=42)
        train = DataLoader(splits["train"], batch_size=BATCH_SIZE, shuffle=True, collate_fn=to_batch)
        test = DataLoader(splits["test"], batch_size=BATCH_SIZE, collate_fn=to_batch)
        return train, test

    def get_data(self) -> tuple[DataLoader, DataLoader]:
        return self.train_loader, self.test_loader
