from rlgrid.cli.app import main

main()
