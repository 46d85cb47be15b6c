"""dxcase: DX case-study learning on anonymized corporate data, in Jupyter."""

__version__ = "0.1.0"
