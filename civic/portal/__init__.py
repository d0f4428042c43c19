"""The portal: the home page and site-wide pages that draw on every domain."""
