"""The browser lab (``glassnet lab``): build a network in a web page, train it and watch it learn.

Floor 5. ``app`` is the Starlette application (token, Host/Origin checks, the JSON API and the
server-sent event stream), ``sessions`` the per-tab runs, ``run`` one training thread, ``views`` what the
page draws, ``settings`` and ``data`` what a run is made of, ``uploads`` the user's own files, ``presets``
ready configurations, and ``server`` starts uvicorn. Needs the ``lab`` extra (starlette, uvicorn).
"""
