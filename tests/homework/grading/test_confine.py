"""Confinement: student code runs in a scratch folder with a scratch HOME, a stripped environment and limits."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from minidl.homework import grade
from minidl.homework.grading.confine import FILE_SIZE_LIMIT, kept_environment

SEED = 20240917

#: Python that the student's sgd.py runs at import, before the class: it probes its surroundings.
PROBE = '''
import os as _os
_found = {{"cwd": _os.getcwd(), "home": _os.path.expanduser("~"), "secret": "MINIDL_TEST_SECRET" in _os.environ,
          "blas": _os.environ.get("OPENBLAS_NUM_THREADS")}}
open("relative.txt", "w").write("written with a relative path")
open(_os.path.expanduser("~/in_home.txt"), "w").write("written in HOME")
open({absolute!r}, "w").write("written with an absolute path")
print("probe", _found)
if _found["secret"] or _found["cwd"] == {submission!r}:
    raise RuntimeError(_found)
'''


@pytest.fixture
def teacher(tmp_path, monkeypatch):
    """The teacher's environment: a home of its own (so nothing lands in the real one), a secret, a thread setting."""
    home = tmp_path / "teacher_home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("MINIDL_TEST_SECRET", "a token")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    return home


def probed(key, absolute):
    text = (key / "sgd.py").read_text()
    (key / "sgd.py").write_text(text.replace("class SGD:", PROBE.format(absolute=str(absolute), submission=str(key))
                                             + "\n\nclass SGD:", 1))


def test_relative_and_home_writes_land_in_scratch_and_the_secret_is_not_passed_on(key, teacher, tmp_path):
    absolute = tmp_path / "teacher_file.txt"
    probed(key, absolute)
    report = grade(key, ["sgd"], seed=SEED)
    assert report.score == 5, report  # the probe found no secret and a scratch working folder
    assert not (key / "relative.txt").exists() and not (teacher / "in_home.txt").exists()
    assert not list(tmp_path.glob("**/relative.txt"))  # the scratch folder is gone with the grade
    # Not stopped: an absolute path is written with the teacher's rights (docs/teaching.md says so).
    assert absolute.read_text() == "written with an absolute path"


def test_the_submission_is_imported_from_a_copy_it_cannot_change(key):
    (key / "sgd.py").write_text((key / "sgd.py").read_text().replace(
        "class SGD:", "open(__file__, 'a').write('\\nraise SystemExit(1)\\n')\n\n\nclass SGD:", 1))
    before = (key / "sgd.py").read_text()
    assert grade(key, ["sgd"], seed=SEED).score == 5
    assert (key / "sgd.py").read_text() == before


def test_a_file_past_the_size_limit_fails_with_an_error_and_costs_its_exercise_only(key):
    (key / "sgd.py").write_text((key / "sgd.py").read_text().replace(
        "class SGD:", f"open('big', 'wb').write(bytes({2 * FILE_SIZE_LIMIT}))\n\n\nclass SGD:", 1))
    report = grade(key, ["sgd", "momentum"], seed=SEED)
    outputs = [result.output for result in report.results if result.exercise == "sgd"]
    assert report.score == 5 and "could not import sgd.py: OSError" in outputs[0], report


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is enforced on Linux")
def test_a_memory_hog_gets_a_memory_error(key):
    (key / "sgd.py").write_text((key / "sgd.py").read_text().replace(
        "class SGD:", "import numpy\nhog = numpy.ones(2**32)\n\n\nclass SGD:", 1))  # 32 GiB
    (result, *_) = grade(key, ["sgd"], seed=SEED).results
    assert "MemoryError" in result.output, result.output


def test_the_environment_keeps_what_python_and_blas_need():
    kept = kept_environment({"PATH": "/bin", "LC_ALL": "C.UTF-8", "PYTHONPATH": "/src", "OMP_NUM_THREADS": "1",
                             "OPENBLAS_CORETYPE": "Haswell", "AWS_SECRET_ACCESS_KEY": "x", "GITHUB_TOKEN": "y",
                             "HOME": "/home/teacher", "SSH_AUTH_SOCK": "/tmp/agent"})
    assert kept == {"PATH": "/bin", "LC_ALL": "C.UTF-8", "PYTHONPATH": "/src", "OMP_NUM_THREADS": "1",
                    "OPENBLAS_CORETYPE": "Haswell"}


TEACHING = Path(__file__).resolve().parents[3] / "docs" / "teaching.md"


def documented_recipe():
    """The bash block under "Without a container" in docs/teaching.md."""
    found = re.search(r"^\*\*Without a container\*\*.*?```bash\n(.*?)^```", TEACHING.read_text(),
                      re.MULTILINE | re.DOTALL)
    assert found, "docs/teaching.md has no bash block under **Without a container**"
    return found.group(1)


def _unshare_works():
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "--map-root-user", "--mount", "--net", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _unshare_works(), reason="no user namespaces here (unshare --map-root-user)")
def test_the_documented_unshare_recipe_makes_the_course_folder_read_only(key, tmp_path):
    course = tmp_path / "course"
    shutil.move(str(key), course / "submission")
    (course / "key.txt").write_text("the answer key")
    probed_target = course / "key.txt"
    probed(course / "submission", probed_target)
    results = tmp_path / "results"
    results.mkdir()
    script = tmp_path / "grade.sh"
    script.write_text(documented_recipe())
    environment = dict(os.environ, COURSE=str(course), SUBMISSION=str(course / "submission"),
                       RESULTS=str(results / "results.json"), MINIDL=f"{sys.executable} -m minidl.cli")
    done = subprocess.run(["sh", str(script)], env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert probed_target.read_text() == "the answer key"  # the absolute write was refused: read-only
    assert (results / "results.json").exists()
    assert "Read-only file system" in done.stdout, done.stdout  # the submission's error, in the report
