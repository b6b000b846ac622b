"""Run by hand or by make: bench (make bench), urls (make urls), linkcheck (make linkcheck), nginx (make preview), setup.sh."""
