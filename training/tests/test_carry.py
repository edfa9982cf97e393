"""Corpus parts packed into device calls (diffuse.carry)."""
import json
import os
import subprocess

import pytest

from diffuse.carry import MIB, checkout_bytes, link_calls, main, pack_calls


def test_every_part_goes_exactly_once_and_no_call_overflows():
    sizes = {f"pypi-{i}.tar.xz": s * MIB for i, s in enumerate([13, 12, 12, 11, 9, 8, 7, 6, 4, 4, 3])}
    sizes["npm.tar.xz"] = 11 * MIB
    calls = pack_calls(sizes, 40 * MIB, extra=MIB // 10)
    assert sorted(n for call in calls for n in call) == sorted(sizes)
    loads = [sum(sizes[n] for n in call) for call in calls]
    assert all(load <= 40 * MIB for load in loads[:-1]) and loads[-1] + MIB // 10 <= 40 * MIB
    assert len(calls) == 3      # 100 MiB and the extra in calls of 40: three, not more


def test_one_more_call_when_the_parts_do_not_fit_the_fewest():
    # 3 x 6 MiB into calls of 10: the byte count says two calls, but no two parts share one
    calls = pack_calls({"a": 6 * MIB, "b": 6 * MIB, "c": 6 * MIB}, 10 * MIB)
    assert sorted(map(sorted, calls)) == [["a"], ["b"], ["c"]]


def test_first_fit_finds_the_fewest_calls_where_balancing_does_not():
    # balanced: a | b, then c beside a, d beside b, and e fits neither; first fit: a b | c d e
    sizes = {"a": 5 * MIB, "b": 5 * MIB, "c": 4 * MIB, "d": 3 * MIB, "e": 3 * MIB}
    assert sorted(map(sorted, pack_calls(sizes, 10 * MIB))) == [["a", "b"], ["c", "d", "e"]]


def test_a_checkout_that_fills_the_call_is_an_error():
    with pytest.raises(ValueError, match=r"the checkout alone fills a call \(2\.0 MiB over"):
        pack_calls({"a": MIB}, -2 * MIB)


def test_a_part_bigger_than_a_call_is_named():
    with pytest.raises(ValueError, match=r"big\.tar\.xz \(70\.0 MiB\) does not fit one call's 50\.0 MiB beside the checkout"):
        pack_calls({"big.tar.xz": 70 * MIB, "small": MIB}, 50 * MIB)


def test_calls_are_linked_into_their_folders_with_the_extra_in_the_last(tmp_path):
    src, extra, out = tmp_path / "corpus", tmp_path / "whl", tmp_path / "repo"
    for d in (src, extra, out / ".xfer7"):
        d.mkdir(parents=True)
    for name, n in {"a": 3, "b": 2, "c": 1}.items():
        (src / name).write_bytes(b"x" * n)
    (extra / "w.whl").write_bytes(b"w")
    dirs = link_calls([["a"], ["b", "c"]], str(src), str(out), str(extra))
    assert [os.path.basename(d) for d in dirs] == [".xfer1", ".xfer2"]
    assert sorted(os.listdir(out)) == [".xfer1", ".xfer2"]          # an earlier .xfer7 is gone
    assert sorted(os.listdir(out / ".xfer2")) == ["b", "c", "w.whl"]
    assert os.stat(out / ".xfer1" / "a").st_ino == os.stat(src / "a").st_ino   # linked, not copied


def test_the_command_reports_a_missing_corpus_folder(tmp_path):
    with pytest.raises(SystemExit, match=r"--src=.*nowhere: no such folder"):
        main([f"--src={tmp_path / 'nowhere'}", "--extra="])


def test_the_command_refuses_a_missing_extra_folder_and_a_name_in_both(tmp_path):
    src, extra = tmp_path / "corpus", tmp_path / "whl"
    src.mkdir()
    (src / "npm.tar.xz").write_bytes(b"x")
    with pytest.raises(SystemExit, match=r"--extra=.*whl: no such folder"):
        main([f"--src={src}", f"--extra={extra}", f"--out={tmp_path}", "--tree_bytes=1"])
    extra.mkdir()
    (extra / "npm.tar.xz").write_bytes(b"y")
    with pytest.raises(SystemExit, match=r"npm\.tar\.xz is in both --src and --extra"):
        main([f"--src={src}", f"--extra={extra}", f"--out={tmp_path}", "--tree_bytes=1"])


def test_the_graph_to_continue_goes_first_in_a_call_of_its_own(tmp_path, capsys):
    src, out = tmp_path / "corpus", tmp_path / "repo"
    src.mkdir()
    out.mkdir()
    (src / "npm.tar.xz").write_bytes(b"x" * 100)
    graph = tmp_path / "model.onnx"
    graph.write_bytes(b"g" * 50)
    main([f"--src={src}", "--extra=", f"--out={out}", "--tree_bytes=1", f"--init={graph}"])
    printed = capsys.readouterr()
    plan = json.loads(printed.out)
    assert [c["carry"] for c in plan["calls"]] == [".xfer-init", ".xfer1"]
    assert plan["calls"][0]["files"] == ["init.onnx"] and plan["calls"][0]["receive"] == "RECEIVE=.xfer-init bash pipeline.sh receive"
    assert os.stat(out / ".xfer-init" / "init.onnx").st_ino == os.stat(graph).st_ino
    assert plan["out_of_the_tree"] == "models/diffuse-small/model.onnx"
    assert printed.err == "", "nothing to move out"
    (out / "models" / "diffuse-small").mkdir(parents=True)
    (out / "models" / "diffuse-small" / "model.onnx").write_bytes(b"m")
    main([f"--src={src}", "--extra=", f"--out={out}", "--tree_bytes=1", f"--init={graph}"])
    assert "move models/diffuse-small/model.onnx out of the tree before the calls" in capsys.readouterr().err
    # moved out and linked back, it travels as the link: nothing to move
    moved = tmp_path / "model.onnx.out"
    os.replace(out / "models" / "diffuse-small" / "model.onnx", moved)
    (out / "models" / "diffuse-small" / "model.onnx").symlink_to(moved)
    main([f"--src={src}", "--extra=", f"--out={out}", "--tree_bytes=1", f"--init={graph}"])
    assert capsys.readouterr().err == "", "a model already a link was to be moved out"


def test_the_wheels_go_with_the_graph_to_continue_and_no_parts_make_no_call_of_their_own(tmp_path, capsys):
    src, out, wheels = tmp_path / "corpus", tmp_path / "repo", tmp_path / "whl"
    for d in (src, out, wheels):
        d.mkdir()
    (wheels / "datasketch-2.0.0-py3-none-any.whl").write_bytes(b"w" * 10)
    graph = tmp_path / "model.onnx"
    graph.write_bytes(b"g" * 50)
    # the GPU image's Python alone: one call, the graph and the wheel the corpus stage needs
    main([f"--src={src}", f"--extra={wheels}", f"--out={out}", "--tree_bytes=1", f"--init={graph}"])
    plan = json.loads(capsys.readouterr().out)
    assert [(c["carry"], c["files"]) for c in plan["calls"]] == [(".xfer-init", ["init.onnx", "datasketch-2.0.0-py3-none-any.whl"])]
    assert sorted(os.listdir(out)) == [".xfer-init"]
    # with parts, the wheel still rides with the graph, and the parts' call holds parts alone
    (src / "pypi-101.tar.xz").write_bytes(b"x" * 100)
    main([f"--src={src}", f"--extra={wheels}", f"--out={out}", "--tree_bytes=1", f"--init={graph}"])
    plan = json.loads(capsys.readouterr().out)
    assert [c["files"] for c in plan["calls"]] == [["init.onnx", "datasketch-2.0.0-py3-none-any.whl"], ["pypi-101.tar.xz"]]
    assert sorted(os.listdir(out / ".xfer1")) == ["pypi-101.tar.xz"]
    # where the wheel does not fit beside the graph (55 bytes a call), it goes with the last call of parts, as before
    (src / "pypi-101.tar.xz").write_bytes(b"x" * 40)
    main([f"--src={src}", f"--extra={wheels}", f"--out={out}", f"--tree_bytes={64 * MIB - MIB - 55}", f"--init={graph}"])
    plan = json.loads(capsys.readouterr().out)
    assert plan["calls"][0]["files"] == ["init.onnx"] and "datasketch-2.0.0-py3-none-any.whl" in plan["calls"][-1]["files"]


def test_a_graph_to_continue_too_big_for_a_call_is_named(tmp_path):
    src = tmp_path / "corpus"
    src.mkdir()
    (src / "npm.tar.xz").write_bytes(b"x")
    graph = tmp_path / "model.onnx"
    graph.write_bytes(b"g" * (2 * MIB))
    with pytest.raises(SystemExit, match=r"--init=.*model\.onnx \(2\.0 MiB\) does not fit one call's"):
        main([f"--src={src}", "--extra=", f"--out={tmp_path}", f"--tree_bytes={int(62.5 * MIB)}", f"--init={graph}"])
    with pytest.raises(SystemExit, match=r"--init=.*missing\.onnx: no such file"):
        main([f"--src={src}", "--extra=", f"--out={tmp_path}", "--tree_bytes=1", f"--init={tmp_path / 'missing.onnx'}"])


def test_a_file_moved_out_and_linked_back_counts_as_its_link(tmp_path):
    # big tracked files leave the tree as links for the trip; a link travels as a link
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "small.txt").write_bytes(b"s" * 100)
    outside = tmp_path.parent / f"{tmp_path.name}-out.bin"
    outside.write_bytes(b"b" * MIB)
    (tmp_path / "big.bin").symlink_to(outside)
    subprocess.run(["git", "-C", str(tmp_path), "add", "small.txt", "big.bin"], check=True)
    assert checkout_bytes(str(tmp_path)) == 100 + len(str(outside))
    assert checkout_bytes(str(tmp_path), leave_out="big.bin") == 100
