"""The patient portal: a patient's own plan, visits, preparation, aftercare and messages."""
