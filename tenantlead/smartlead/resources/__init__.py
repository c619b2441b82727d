"""Smartlead resource namespaces (one module per resource)."""

from tenantlead.smartlead.resources.campaigns import AsyncCampaigns, Campaigns
from tenantlead.smartlead.resources.clients import AsyncClientAPIKeys, AsyncClients, ClientAPIKeys, Clients
from tenantlead.smartlead.resources.email_accounts import AsyncEmailAccounts, EmailAccounts
from tenantlead.smartlead.resources.tags import AsyncTags, Tags
from tenantlead.smartlead.resources.webhooks import (
    AccountWebhooks,
    AsyncAccountWebhooks,
    AsyncWebhooks,
    Webhooks,
)

__all__ = [
    "AccountWebhooks",
    "AsyncAccountWebhooks",
    "AsyncCampaigns",
    "AsyncClientAPIKeys",
    "AsyncClients",
    "AsyncEmailAccounts",
    "AsyncTags",
    "AsyncWebhooks",
    "Campaigns",
    "ClientAPIKeys",
    "Clients",
    "EmailAccounts",
    "Tags",
    "Webhooks",
]
