"""The lab's HTTP API in-process: every endpoint, the token, Host and Origin, uploads, two tabs, divergence."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]
from labclient import AUTH, TOKEN, act, new_session, view, wait_for

import glassnet as gn
from glassnet.lab.app import create_app
from glassnet.lab.uploads import MAX_UPLOAD_BYTES

FLOWER = {"data": "flower", "hidden": [8], "activation": "tanh", "learning_rate": 0.01}
ENDPOINTS = [("GET", "/"), ("GET", "/static/lab.js"), ("POST", "/api/session"), ("POST", "/api/run"), ("POST", "/api/drop"),
             ("GET", "/api/view"), ("GET", "/api/stream"), ("POST", "/api/upload"), ("GET", "/api/model"), ("GET", "/api/config")]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_refuses_a_request_without_the_token(lab, method, path):
    response = lab.request(method, path)
    assert response.status_code == 403
    assert "access token" in response.text
    assert lab.request(method, path, headers={"x-glassnet-token": "wrong"}).status_code == 403


def test_the_page_opened_with_the_token_sets_a_cookie_that_serves_the_rest(lab):
    page = lab.get("/", params={"token": TOKEN})
    assert page.status_code == 200 and "glassnet lab" in page.text
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("glassnet_lab_") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert cookie.split("=")[0] != create_app("another token", ["testserver"]).cookie_name  # two labs on one host keep their own
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    assert lab.get("/static/vendor/uplot/uPlot.iife.min.js").status_code == 200  # the cookie now carries the token
    assert lab.post("/api/session").status_code == 200


def test_host_and_origin_checks_refuse_rebinding_and_other_sites(lab):
    assert lab.post("/api/session", headers={**AUTH, "host": "evil.example:8765"}).status_code == 403
    assert lab.post("/api/session", headers={**AUTH, "origin": "http://evil.example"}).status_code == 403
    assert lab.post("/api/session", headers={**AUTH, "origin": "http://testserver"}).status_code == 200


def test_a_session_offers_presets_choices_and_the_upload_limit(lab):
    answer = lab.post("/api/session", headers=AUTH).json()
    assert len(answer["session"]) >= 16
    assert {"flower", "xor", "spiral", "blobs", "digits", "upload"} <= set(answer["choices"]["data"])
    assert "zeros" in answer["choices"]["initializer"] and "adam" in answer["choices"]["optimizer"]
    assert answer["limits"]["upload_bytes"] == MAX_UPLOAD_BYTES
    assert any(preset.get("compare") for preset in answer["presets"])


def test_play_pause_and_the_view_of_a_flower_run(lab):
    session = new_session(lab)
    assert act(lab, session, "play", **FLOWER).json()["status"] == "training"
    wait_for(lambda: view(lab, session)["epochs"] >= 30)
    assert act(lab, session, "pause", **FLOWER).json()["status"] == "paused"
    answer = view(lab, session)
    shown = answer["view"]
    assert shown["epochs"] == answer["epochs"] >= 30
    assert len(shown["curves"]["epoch"]) == len(shown["curves"]["dev_cost"]) > 0
    assert shown["boundary"]["size"] == 100 and [len(maps) for maps in shown["units"]["layers"]] == [8]
    assert [len(norm) for norm in shown["norms"]] == [2, 2]
    assert sum(map(sum, shown["confusion"])) == 80  # 20 % of 400 rows
    assert shown["advice"]["verdict"]
    assert len(shown["data"]["points"]["train"]["x"]) == 240


def test_step_trains_exactly_one_epoch_and_reset_starts_over(lab):
    session = new_session(lab)
    act(lab, session, "step", **FLOWER)
    wait_for(lambda: view(lab, session)["status"] == "paused")
    act(lab, session, "step", **FLOWER)
    wait_for(lambda: view(lab, session)["epochs"] == 2 and view(lab, session)["status"] == "paused")
    assert act(lab, session, "reset", **FLOWER).json() == {"status": "ready", "epochs": 0, "message": None, "version": 1}
    answers = [act(lab, session, "batch", **FLOWER).json() for _ in range(8)]  # 240 rows in batches of 32: 8 steps
    assert [answer["epochs"] for answer in answers] == [0] * 7 + [1] and answers[0]["version"] == 2


def test_changing_a_training_setting_starts_a_new_run_but_the_human_error_does_not(lab):
    session = new_session(lab)
    act(lab, session, "step", **FLOWER)
    wait_for(lambda: view(lab, session)["status"] == "paused")
    answer = act(lab, session, "update", **FLOWER, human_error=0.05).json()
    assert answer["epochs"] == 1
    assert view(lab, session)["view"]["advice"]["errors"]["human"] == 0.05
    assert act(lab, session, "update", **{**FLOWER, "learning_rate": 0.02}).json()["epochs"] == 0


def test_a_run_that_diverges_shows_the_divergence_message(lab):
    session = new_session(lab)
    act(lab, session, "play", data="flower", optimizer="sgd", learning_rate=50.0, hidden=[16, 16], activation="relu")
    answer = wait_for(lambda: (lambda v: v if v["status"] == "diverged" else None)(view(lab, session)))
    assert answer["message"].startswith("Training diverged in epoch 1") and "smaller learning rate" in answer["message"]
    assert answer["view"]["message"] == answer["message"]
    assert np.isfinite(answer["view"]["metrics"]["train_cost"])  # the restored weights are shown


@pytest.mark.parametrize(("settings", "expected"), [
    ({"learning_rate": -1}, "learning_rate"),
    ({"hidden": [0]}, "hidden"),
    ({"data": "../etc/passwd"}, "data"),
    ({"surprise": 1}, "Unknown setting 'surprise'"),
    ({"data": "upload"}, "No file has been uploaded"),
])
def test_bad_settings_get_one_line_and_change_nothing(lab, settings, expected):
    session = new_session(lab)
    response = act(lab, session, "play", **settings)
    assert response.status_code == 400
    assert expected in response.json()["error"] and "\n" not in response.json()["error"]
    assert lab.get("/api/view", params={"session": session}, headers=AUTH).status_code == 404


def test_an_unknown_session_or_slot_is_404(lab):
    assert lab.get("/api/view", params={"session": "nope"}, headers=AUTH).status_code == 404
    session = new_session(lab)
    assert act(lab, session, "play", slot="C", **FLOWER).status_code == 400
    assert lab.get("/api/model", params={"session": session, "slot": "B"}, headers=AUTH).status_code == 404


def test_the_stream_sends_each_new_view_as_a_server_sent_event(lab):
    session = new_session(lab)
    act(lab, session, "update", **FLOWER)
    act(lab, session, "update", slot="B", **{**FLOWER, "optimizer": "sgd"})
    with lab.stream("GET", "/api/stream", params={"session": session, "events": 2}, headers=AUTH) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [json.loads(line[len("data: "):]) for line in response.iter_lines() if line.startswith("data: ")]
    assert sorted(event["slot"] for event in events) == ["A", "B"]
    assert all(event["view"]["epochs"] == 0 for event in events)


def test_the_downloaded_model_predicts_what_the_page_shows(lab, tmp_path):
    session = new_session(lab)
    act(lab, session, "play", **FLOWER)
    wait_for(lambda: view(lab, session)["epochs"] >= 20)
    act(lab, session, "pause", **FLOWER)
    shown = view(lab, session)["view"]
    download = lab.get("/api/model", params={"session": session, "slot": "A"}, headers=AUTH)
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    (tmp_path / "lab.safetensors").write_bytes(download.content)
    model = gn.load(tmp_path / "lab.safetensors")
    points = shown["data"]["points"]["dev"]
    predicted = model.predict(np.column_stack([points["x"], points["y"]]))
    accuracy = np.mean(predicted == np.asarray(shown["data"]["classes"])[points["label"]])
    assert accuracy == pytest.approx(shown["metrics"]["dev_accuracy"], abs=0.02)  # points are rounded to 4 digits


def test_the_config_download_is_a_toml_that_glassnet_train_reads(lab, tmp_path):
    from click.testing import CliRunner

    from glassnet.cli.main import main

    session = new_session(lab)
    act(lab, session, "step", **{**FLOWER, "optimizer": "momentum", "beta1": 0.8, "decay": "inverse-time"})
    wait_for(lambda: view(lab, session)["status"] == "paused")
    text = lab.get("/api/config", params={"session": session}, headers=AUTH).text
    table = tomllib.loads(text)
    assert table["data"] == "flower" and table["layers"] == "8" and table["optimizer"] == "momentum" and table["beta"] == 0.8
    (tmp_path / "run.toml").write_text(text)
    result = CliRunner().invoke(main, ["train", "--config", str(tmp_path / "run.toml"), "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["epochs_run"] == 1


def _upload(lab, session, name, content):
    return lab.post("/api/upload", params={"session": session, "name": name}, headers=AUTH, content=content)


def test_an_uploaded_csv_trains_like_a_bundled_set(lab):
    session = new_session(lab)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    rows = "\n".join(f"{a:.4f},{b:.4f},{c:.4f},{'yes' if a + b > 0 else 'no'}" for a, b, c in X)
    answer = _upload(lab, session, "C:\\Users\\me\\fruit.csv", f"a,b,c,kind\n{rows}\n".encode())
    assert answer.status_code == 200
    assert answer.json() == {"name": "fruit.csv", "rows": 120, "features": 3, "classes": ["no", "yes"]}
    act(lab, session, "step", data="upload", hidden=[4])
    shown = wait_for(lambda: (lambda v: v if v["status"] == "paused" else None)(view(lab, session)))["view"]
    assert "boundary" not in shown and len(shown["confusion"]) == 2


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("bad.csv", b"a,b\n1,x\n", "bad.csv: column 'b': has only one class ('x')"),
    ("bad.csv", b"a,b,y\n1,2,0\n1,oops,1\n", "bad.csv: line 3, column 'b': 'oops' is not a number"),
    ("notes.txt", b"a,b\n", "notes.txt: expected a .csv or .npz file."),
    ("../../etc/passwd.csv", b"", "passwd.csv: the file is empty"),
    ("fake.npz", b"not a zip", "fake.npz: not an NPZ file"),
    ("big.csv", b"a,b\n" + b"1,0\n" * (MAX_UPLOAD_BYTES // 4 + 1), "over the limit of 2097152 bytes"),
])
def test_a_bad_upload_gets_one_line_naming_the_upload_and_nothing_changes(lab, name, content, expected):
    session = new_session(lab)
    response = _upload(lab, session, name, content)
    assert response.status_code == (413 if name == "big.csv" else 200)
    error = response.json()["error"]
    assert expected in error and "\n" not in error and "/tmp" not in error and "glassnet-lab-" not in error
    assert lab.store.get(session).upload is None
    assert act(lab, session, "update", data="upload").json()["error"].startswith("No file has been uploaded")


def test_an_npz_with_pickled_objects_is_refused(lab):
    session = new_session(lab)
    buffer = io.BytesIO()
    np.savez(buffer, X=np.array([[1, 2]] * 10, dtype=object), y=np.arange(10) % 2)
    error = _upload(lab, session, "objects.npz", buffer.getvalue()).json()["error"]
    assert error.startswith("objects.npz: array 'X' holds Python objects") and "never unpickled" in error


def test_two_tabs_train_their_own_runs_at_once(lab):
    first, second = new_session(lab), new_session(lab)
    act(lab, first, "play", **FLOWER)
    act(lab, second, "play", **{**FLOWER, "data": "moons", "hidden": [4]})
    wait_for(lambda: view(lab, first)["epochs"] >= 10 and view(lab, second)["epochs"] >= 10)
    for session in (first, second):
        act(lab, session, "pause", **FLOWER)
    one, two = view(lab, first)["view"], view(lab, second)["view"]
    assert one["data"]["name"] == "flower" and two["data"]["name"] == "moons"
    assert len(one["units"]["layers"][0]) == 8 and len(two["units"]["layers"][0]) == 4


def test_a_comparison_keeps_two_runs_and_drop_forgets_b(lab):
    session = new_session(lab)
    act(lab, session, "step", **FLOWER)
    act(lab, session, "step", slot="B", **{**FLOWER, "optimizer": "sgd"})
    wait_for(lambda: view(lab, session, "B")["status"] == "paused" and view(lab, session)["status"] == "paused")
    assert view(lab, session)["view"]["curves"]["cost"] != view(lab, session, "B")["view"]["curves"]["cost"]
    assert lab.post("/api/drop", headers=AUTH, json={"session": session, "slot": "B"}).json() == {"dropped": True}
    assert lab.get("/api/view", params={"session": session, "slot": "B"}, headers=AUTH).status_code == 404


def test_opening_more_tabs_than_the_limit_closes_the_oldest_and_stops_its_training(lab):
    oldest = new_session(lab)
    act(lab, oldest, "play", **FLOWER)
    run = lab.store.get(oldest).runs["A"]
    for _ in range(lab.store.limit):
        new_session(lab)
    assert lab.store.get(oldest) is None and len(lab.store) == lab.store.limit
    wait_for(lambda: not run.training)
    assert run.status == "paused"
