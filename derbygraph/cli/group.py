"""The `derbygraph` command group: the options commands share, opening the dataset they read,
and the one table that turns an error's kind into its exit status."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from derbygraph import __version__, errors

DEFAULT_STORE = "derbygraph-store"
# Each kind of error, the exit status it ends a command with (a kind not named: its nearest named
# base). A user's error is 1, and so is a file that cannot be read or written (OSError); 75
# (sysexits' EX_TEMPFAIL) says the same command may succeed later, 70 (EX_SOFTWARE) that the
# fault is ours.
EXIT_CODES = {errors.UserError: 1, OSError: 1, errors.Busy: 75, errors.Failed: 70}


def fail(message: str, status: int = 1) -> None:
    """One clear line on stderr and exit `status`: never a traceback."""
    click.echo(f"derbygraph: {message}", err=True)
    sys.exit(status)


def progress(message: str) -> None:
    click.echo(f"  {message}", err=True)


def open_dataset(data: tuple[str, ...], store: str | None, quiet: bool = True):
    if store:
        from derbygraph.store.dataset import Dataset

        if data:
            raise errors.BadInput("give either --store (a built store) or --data (files to add), not both")
        return Dataset.open(Path(store))
    from derbygraph.build import build_dataset  # a second of imports (rdflib, owlrl) a store does without

    return build_dataset([Path(p) for p in data], progress=None if quiet else progress)


def open_remote(endpoint: str, timeout: float = 30.0):
    """A dataset served by a remote SPARQL store that `derbygraph push` filled."""
    from derbygraph.store.dataset import Dataset
    from derbygraph.store.remote import RemoteStore

    dataset = Dataset(RemoteStore(endpoint, timeout))
    if dataset.version == "unknown":
        raise errors.BadInput(f"{endpoint}: holds no derbygraph dataset (load one with `derbygraph push --endpoint ...`)")
    return dataset


data_option = click.option("--data", "data", multiple=True, metavar="PATH",
                           help="RDF file or folder to add to the built-in graph (repeatable).")
store_option = click.option("--store", metavar="DIR", help="Use a store written by `derbygraph build`.")


class Commands(click.Group):
    """The commands, with the one place an error becomes its lines and exit status (`EXIT_CODES`)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (errors.UserError, OSError) as error:
            for line in getattr(error, "details", []):
                click.echo(line, err=True)
            fail(_one_line(error), next(EXIT_CODES[kind] for kind in type(error).__mro__ if kind in EXIT_CODES))


def _one_line(error: Exception) -> str:
    """What the user reads: the message (with the names that might be meant), or for a file, its
    name and what is wrong with it."""
    if isinstance(error, OSError):
        return f"{error.filename}: {error.strerror}" if error.filename and error.strerror else str(error)
    suggestions = getattr(error, "suggestions", None)
    return f"{error}; did you mean: {', '.join(suggestions)}" if suggestions else str(error)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="derbygraph")
def main() -> None:
    """derbygraph: NHS organisational history as linked data."""
