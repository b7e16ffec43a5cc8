"""doit entry point: `doit` builds every book under content/. The tasks live in folio.tasks."""

from pathlib import Path

from folio.tasks import make_tasks

globals().update(make_tasks(Path(__file__).parent))
