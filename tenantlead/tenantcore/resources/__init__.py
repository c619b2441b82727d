"""TenantCore resource namespaces."""
