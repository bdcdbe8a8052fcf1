"""FAKE Flower runtime for tests (flops-vscode). NOT Flower: no Flower code, no gRPC, no FAB.

It stands in for ``flower-superlink``, ``flower-supernode`` and ``flwr run`` inside a test image,
because Flower cannot be installed on the machines the tests run on. It drives the generated,
Flower-free ``flops_app.adapter`` (and so the user's real ``ModelManager``) the way the generated
ServerApp and ClientApp would. The contract it honours, and what it leaves out, is in README.md.
"""

from importlib import metadata

try:
    # The version of the image's fake flwr dist-info (what pip sees), so both always agree.
    FLOWER_VERSION = metadata.version("flwr")
except metadata.PackageNotFoundError:
    FLOWER_VERSION = "1.27.0"
