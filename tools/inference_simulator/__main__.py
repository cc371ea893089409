"""Entry point: ``python tools/inference_simulator ...`` or ``python -m tools.inference_simulator ...``.

Starts the eks-llm-inference-simulator, a TEST DOUBLE for an LLM inference server.
"""

import os
import sys

if __package__ in (None, ""):  # run as a directory: make the package importable by its own name
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from inference_simulator.server import main
else:
    from .server import main

if __name__ == "__main__":
    sys.exit(main())
