import LoadCLI

CommandLineEntry.main()
