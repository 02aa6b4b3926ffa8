"""The model layer: what can happen and what each actor wants.

The model: measures, presences and their state, the severity ladder, the substitution rule,
events, triggers, delays, policies (the protocol and the built-in ones) and scenarios with
their files.

It says what can happen and what each actor wants; it does not run anything. It imports only
:mod:`escalation.base`.
"""
