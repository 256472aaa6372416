"""Builds search/es-plugin (a stable analysis plugin) with javac against the jars of
the Elasticsearch it will run in, and installs it into that node's plugins folder."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "search" / "es-plugin"
NAME = "staffroom-analysis"


def build(es_home: Path, java_home: str, out_dir: Path) -> Path:
    lib = es_home / "lib"
    classpath = ":".join(str(p) for p in sorted(lib.glob("*.jar")))
    version = next(lib.glob("elasticsearch-plugin-api-*.jar")).stem.rsplit("-", 1)[1]
    work = Path(tempfile.mkdtemp(prefix="staffroom-esplugin-"))
    classes = work / "classes"
    sources = [str(p) for p in (SOURCE / "src").rglob("*.java")]
    subprocess.run([f"{java_home}/bin/javac", "--release", "17", "-d", str(classes), "-cp", classpath, *sources],
                   check=True, capture_output=True, text=True)
    jar = out_dir / f"{NAME}.jar"
    with zipfile.ZipFile(jar, "w") as zf:
        for path in classes.rglob("*.class"):
            zf.write(path, path.relative_to(classes).as_posix())
    (out_dir / "named_components.json").write_text((SOURCE / "named_components.json").read_text())
    (out_dir / "stable-plugin-descriptor.properties").write_text(
        "description=Norwegian analysis for Staffroom (bokmål and nynorsk)\n"
        f"version=1.0.0\nname={NAME}\njava.version=17\nelasticsearch.version={version}\n"
    )
    shutil.rmtree(work, ignore_errors=True)
    return out_dir


def install(es_home: Path, java_home: str) -> None:
    target = es_home / "plugins" / NAME
    target.mkdir(parents=True, exist_ok=True)
    try:
        build(es_home, java_home, target)
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"building the analysis plugin failed:\n{exc.stderr}") from exc
