"""Export trained models to other runtimes: :func:`glassnet.export.onnx.export_onnx` (the ``onnx`` extra)."""
