"""Helpers the tests import; no tests live here.

==================  ==========================================================================
``data``            where the bundled test data lie (``tests/data/reference``, ``.../recorded``)
``cli``             run the real ``capexwatch`` console entry point as a subprocess
``netstore``        run the CLI in-process, dump a store, read the reference quarters
``fakeserver``      a loopback HTTP server replaying recorded SEC and FRED answers
``recorded``        the recorded answers' routes and the settings that point capexwatch at them
``facts_ref``       the real SEC companyfacts documents, decoded once per session
``facts_synth``     constructed filers (facts with known answers) for the facts rules
``sigdata``         builders of constructed signal inputs, readers of the reference quarters
``scenarios``       illustrative scenarios for the model tests
==================  ==========================================================================
"""
