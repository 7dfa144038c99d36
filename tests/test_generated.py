"""The one helper that keeps generated files fresh (contract artifacts, solution notebooks): what it calls stale,
and what writing leaves behind."""

from __future__ import annotations

from sumkit.solc import generated


def test_stale_names_changed_missing_and_extra_files_and_write_fixes_them(tmp_path):
    (tmp_path / "same.json").write_text("1\n")
    (tmp_path / "changed.json").write_text("old\n")
    (tmp_path / "extra.json").write_text("gone\n")
    (tmp_path / "other.txt").write_text("not generated here\n")
    fresh = {tmp_path / "same.json": "1\n", tmp_path / "changed.json": "new\n", tmp_path / "missing.json": "2\n"}
    assert generated.stale(fresh, tmp_path, "*.json") == ["changed.json", "extra.json", "missing.json"]
    generated.write(fresh, tmp_path, "*.json")
    assert generated.stale(fresh, tmp_path, "*.json") == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["changed.json", "missing.json", "other.txt", "same.json"]
    assert (tmp_path / "changed.json").read_text() == "new\n" and (tmp_path / "other.txt").exists()


def test_a_folder_not_yet_generated_is_all_stale(tmp_path):
    folder = tmp_path / "build"
    assert generated.stale({folder / "A.json": "{}\n"}, folder, "*.json") == ["A.json"]
    generated.write({folder / "A.json": "{}\n"}, folder, "*.json")
    assert (folder / "A.json").read_text() == "{}\n"
