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


def test_the_command_line_checks_writes_and_reports_the_generators_error(tmp_path, capsys):
    folder = tmp_path / "out"
    files = {folder / "A.json": "{}\n"}

    def run(*argv, make=lambda: files):
        code = generated.command(list(argv), prog="python -m gen", description="gen", what="things",
                                 folder=folder, pattern="*.json", make=make, error=KeyError)
        return code, capsys.readouterr()

    code, out = run("--check")
    assert code == 1 and "stale things (run `python -m gen`): A.json" in out.out and not folder.exists()
    code, out = run()
    assert code == 0 and out.out == "wrote 1 things to out/\n" and (folder / "A.json").read_text() == "{}\n"
    code, out = run("--check")
    assert code == 0 and out.out == "things are up to date\n"

    def broken():
        raise KeyError("no answer for 01.1")

    code, out = run("--check", make=broken)
    assert code == 1 and "no answer for 01.1" in out.err
