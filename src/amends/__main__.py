from amends.cli import main

main()
