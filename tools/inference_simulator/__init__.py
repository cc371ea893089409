"""eks-llm-inference-simulator: an OpenAI/Triton-compatible HTTP server that fakes an LLM.

THIS IS A TEST DOUBLE. It stands in for vLLM / Triton in rehearsal runs and tests; it runs
no model and its latencies are the ones it was told to produce (``--ttft-ms``, ``--itl-ms``).
It says so everywhere: a start-up banner, a ``server:`` header on every response and
``owned_by: simulator`` in ``/v1/models``. See docs/simulator.md.

Run it as ``python tools/inference_simulator --port 8000`` (or ``python -m tools.inference_simulator``).
"""

NAME = "eks-llm-inference-simulator"
SERVER_HEADER = NAME + " (test double)"
__version__ = "1.0.0"
