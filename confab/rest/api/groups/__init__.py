"""Group management over REST (issue 12; seed 004 lines 11223-20894), one module per job, over the
domain in `confab.domain.groups`."""
