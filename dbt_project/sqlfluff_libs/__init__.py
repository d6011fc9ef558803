"""Stand-ins for dbt's Jinja namespace, used only by sqlfluff's jinja templater.

sqlfluff renders models with plain Jinja (pyproject.toml), which knows `ref`, `var` and
`config` but not dbt's cross-database macros. These functions return representative SQL so the
rendered models parse; dbt itself never imports this package.
"""
