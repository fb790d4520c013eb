"""The call-tracking domain: plain classes and rules, standard library only, `now` passed in."""
