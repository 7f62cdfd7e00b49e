using System.Text.Json;

var name = Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? "unknown";
if (Environment.GetEnvironmentVariable("FAKE_RECORD_DIR") is { Length: > 0 } recordDirectory)
{
    var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
        .ToDictionary(key => key, key => Environment.GetEnvironmentVariable(key) ?? string.Empty);
    environment["FAKE_PID"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
    File.WriteAllText(Path.Combine(recordDirectory, name + ".json"), JsonSerializer.Serialize(environment));
}

if (Environment.GetEnvironmentVariable("FAKE_CRASH") == name)
{
    await Console.Error.WriteLineAsync("fatal: simulated startup failure");
    return 3;
}

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapGet("/health/ready", () => "Healthy");
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"{name} listening"));
await app.RunAsync();
return 0;
