from realtymedia.cli import main

main()
