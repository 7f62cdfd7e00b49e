using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Platform.AppHost.Model;
using Platform.AppHost.Orchestration;
using Platform.AppHost.Publishing;

if (args is ["publish", .. var publishArgs])
{
    return PublishCommand.Run(publishArgs, RepositoryRoot.Find(), Console.Out, Console.Error);
}

var configuration = new ConfigurationBuilder()
    .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
    .AddEnvironmentVariables()
    .AddCommandLine(args)
    .Build();
var options = AppHostOptions.FromConfiguration(configuration, RepositoryRoot.Find(), PlatformModel.Services);

using var stopping = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    // We stop the children ourselves and then exit 0, instead of the runtime terminating us first.
    context.Cancel = true;
    stopping.Cancel();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
return await AppHostRunner.RunAsync(options, stopping.Token);
