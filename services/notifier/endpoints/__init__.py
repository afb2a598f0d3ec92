"""Webhook endpoints: the table, managing them, their sealed secrets, their health (failing
streak, disabling), and reporting which parties can be reached. Imports no delivery module."""
