"""``load_dataset()`` as FLOps repositories call it: this learner's partition of a local dataset.

FLOps returns all of a node's data from its ML data server; here each learner gets its own
partition (IID or Dirichlet non-IID by label, seeded, so every run splits the same way) of one
local dataset. Which partition comes from ``flops_utils.local_data.configure()`` (the ClientApp
calls it from the node config) or from ``FLOPS_*`` environment variables.

This module is the only one that needs HuggingFace ``datasets``; the partitioning and the reading
of text formats are plain Python and numpy.
"""

import numpy as np

from flops_utils.local_data import ARROW_FORMATS, current_settings, extension_of, read_columns, resolve_data_files
from flops_utils.partitioning import partition_indices


def load_dataset():
    """Returns this learner's partition as a ``datasets.Dataset`` in Arrow format."""
    import datasets  # deferred: everything above works without it

    settings = current_settings()
    paths = resolve_data_files(settings)
    if extension_of(paths[0]) == ".parquet":
        dataset = datasets.Dataset.from_parquet(paths if len(paths) > 1 else paths[0])
    elif extension_of(paths[0]) in ARROW_FORMATS:
        dataset = datasets.concatenate_datasets([datasets.Dataset.from_file(p) for p in paths])
    else:
        dataset = datasets.Dataset.from_dict(read_columns(paths))
    labels = None
    if settings.partitioning == "dirichlet":
        if settings.label_column not in dataset.column_names:
            raise KeyError(
                f"the label column '{settings.label_column}' is not in the dataset (columns: {dataset.column_names})"
            )
        labels = np.asarray(dataset[settings.label_column])
    indices = partition_indices(
        len(dataset),
        settings.partition_id,
        settings.num_partitions,
        method=settings.partitioning,
        seed=settings.seed,
        labels=labels,
        alpha=settings.alpha,
    )
    return dataset.select(indices.tolist()).with_format("arrow")
