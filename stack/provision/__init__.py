"""``hopscope provision``: prepare the compose stack's servers for hopscope records.

One step per server, each idempotent (run it again and nothing changes): Elasticsearch gets
Kibana's service password and the index template generated from the record schema; Kibana
gets the data view and saved searches over ``hopscope-records-*``; Graylog gets the content
pack that creates the GELF HTTP input the collector ships to.
"""

from stack.provision.api import ApiError, HttpApi
from stack.provision.steps import Step, elasticsearch_step, graylog_step, kibana_step, run_steps

__all__ = [
    "ApiError",
    "HttpApi",
    "Step",
    "elasticsearch_step",
    "graylog_step",
    "kibana_step",
    "run_steps",
]
