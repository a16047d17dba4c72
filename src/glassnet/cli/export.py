"""``glassnet export``: a model file or estimator file as an ONNX graph (the ``onnx`` extra)."""

from __future__ import annotations

import click


@click.command("export")
@click.argument("model_path", metavar="MODEL", type=click.Path(exists=True, dir_okay=False))
@click.option("--onnx", "onnx_path", type=click.Path(dir_okay=False), help="The .onnx file to write.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Same as --onnx (the older spelling).")
def export_command(model_path: str, onnx_path: str | None, out_path: str | None) -> None:
    """Write MODEL (from 'glassnet train --out' or gn.save) as an ONNX graph that any ONNX runtime can serve.

    The graph includes the feature scaler, the target scaler of a regressor and the class labels; batch
    norm is in inference form and dropout is left out. Input X (N, n_features) in the model's dtype;
    outputs label and probabilities (classifier) or variable (regressor).
    Example: glassnet export run/model.safetensors --onnx model.onnx
    """
    if (onnx_path is None) == (out_path is None):
        raise click.UsageError("give the .onnx file to write exactly once: --onnx PATH (or its alias --out PATH)")
    out_path = onnx_path if onnx_path is not None else out_path
    from glassnet.errors import ConfigError
    from glassnet.estimators.saving import load

    try:
        from glassnet.export.onnx import export_onnx
        import onnx  # noqa: F401
    except ImportError:
        raise ConfigError("glassnet export needs the onnx package: pip install 'glassnet[onnx]'.") from None
    model = load(model_path)
    path = export_onnx(model, out_path)
    network = model.network if hasattr(model, "network") else model.network_
    outputs = "variable" if network.task == "regression" else "label, probabilities"
    click.echo(f"wrote {path}: input X {network.dtype.name}[N, {network.input_units}]; outputs {outputs}")
