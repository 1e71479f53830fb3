"""The base of the apps' squashed migrations: it creates a run of models in one step.

Django keeps the rendered model classes of the migration state up to date after every
operation, and a CreateModel re-renders the new model with every model related to it, which
here is nearly every model (they all point to the user or the unit). The squashed initial
migrations create 10 to 30 models each, so a fresh database rendered the whole project about
130 times. A run of CreateModels only needs the models rendered once: their tables are created
from the state after the run, with the foreign keys the schema editor adds at the end, and the
pgtrigger triggers in each model's options installed with its table.

Only the forward apply on a live database changes; the state of the migration (makemigrations,
the loader) and `sqlmigrate` are Django's own.
"""

from django.db import migrations


class SquashedMigration(migrations.Migration):
    def apply(self, project_state, schema_editor, collect_sql=False):
        if collect_sql or not schema_editor.atomic_migration:
            return super().apply(project_state, schema_editor, collect_sql=collect_sql)
        run = []
        for operation in [*self.operations, None]:
            if isinstance(operation, migrations.CreateModel):
                run.append(operation)
                continue
            if run:
                self._create_models(run, project_state, schema_editor)
                run = []
            if operation is not None:
                old_state = project_state.clone()
                operation.state_forwards(self.app_label, project_state)
                operation.database_forwards(self.app_label, schema_editor, old_state, project_state)
        return project_state

    def _create_models(self, operations, project_state, schema_editor):
        old_state = project_state.clone()
        # Without the rendered apps, each CreateModel only adds its model state ...
        apps = project_state.__dict__.pop("apps", None)
        for operation in operations:
            operation.state_forwards(self.app_label, project_state)
        # ... and the run is rendered once.
        if apps is not None:
            project_state.__dict__["apps"] = apps
            project_state.reload_models(
                [(self.app_label, operation.name_lower) for operation in operations],
                delay=False,
            )
        for operation in operations:
            operation.database_forwards(self.app_label, schema_editor, old_state, project_state)
