from derbygraph.cli import main

main()
