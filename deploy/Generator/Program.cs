using Platform.Deploy;

return GenerateCommand.Run(args, Environment.CurrentDirectory, Console.Out, Console.Error);
