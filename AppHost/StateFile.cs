using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.Provisioning;

namespace Platform.AppHost;

/// <summary>
/// <c>.apphost/state.json</c>: how scripts, the bench and the drills find a running platform
/// (<c>{"services": {"auth": {"url": …}, …}, "adminKeyFile": …, "connectionStrings": {…}}</c>). Written once every
/// service is healthy, removed when the AppHost stops. It holds connection strings with passwords, so only its owner may
/// read it.
/// </summary>
public static class StateFile
{
    public const string FileName = "state.json";

    public static IDistributedApplicationBuilder AddStateFile(this IDistributedApplicationBuilder builder, string dataDirectory, bool printAdminKey)
    {
        if (builder.ExecutionContext.IsRunMode)
        {
            builder.Services.AddHostedService(services => new Writer(
                services.GetRequiredService<DistributedApplicationModel>(),
                services.GetRequiredService<ResourceNotificationService>(),
                dataDirectory,
                printAdminKey));
        }

        return builder;
    }

    private sealed class Writer(DistributedApplicationModel model, ResourceNotificationService notifications, string dataDirectory, bool printAdminKey)
        : BackgroundService
    {
        private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

        private string Path => System.IO.Path.Combine(dataDirectory, FileName);

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var services = model.Resources.OfType<ProjectResource>().ToList();
            if (services.Count == 0)
            {
                return;
            }

            try
            {
                await Task.WhenAll(services.Select(s => notifications.WaitForResourceHealthyAsync(s.Name, stoppingToken))).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var connectionStrings = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var datastore in model.Resources.OfType<IResourceWithConnectionString>().Where(r => r.Name is PlatformDatastores.Postgres or PlatformDatastores.Redis))
            {
                connectionStrings[datastore.Name] = await datastore.GetConnectionStringAsync(stoppingToken).ConfigureAwait(false) ?? "";
            }

            var urls = services.ToDictionary(s => s.Name, s => new { url = s.GetEndpoint("http").Url });
            Write(new { services = urls, adminKeyFile = PlatformSecrets.AdminKeyFile(dataDirectory), connectionStrings });
            PrintSummary(urls.ToDictionary(u => u.Key, u => u.Value.url));
        }

        public override async Task StopAsync(CancellationToken cancellationToken)
        {
            await base.StopAsync(cancellationToken).ConfigureAwait(false);

            // Nothing in it is true once the services are gone.
            File.Delete(Path);
        }

        private void Write(object state)
        {
            Directory.CreateDirectory(dataDirectory);
            var temporary = Path + ".tmp";
            using (var file = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                JsonSerializer.Serialize(file, state, Indented);
            }

            // Readers never see a half-written file.
            File.Move(temporary, Path, overwrite: true);
        }

        /// <summary>Printed, not logged: the admin key may be in it, and no secret goes to a log.</summary>
        private void PrintSummary(Dictionary<string, string> urls)
        {
            var width = urls.Keys.Max(name => name.Length);
            var lines = new List<string> { "", "  Platform is ready." };
            lines.AddRange(urls.Select(u => $"    {u.Key.PadRight(width)}  {u.Value}"));
            var keyFile = PlatformSecrets.AdminKeyFile(dataDirectory);
            lines.Add(printAdminKey
                ? $"  Bootstrap admin key (shown once, kept in {keyFile}):\n    {File.ReadAllText(keyFile).Trim()}"
                : $"  Bootstrap admin key: {keyFile}");
            lines.Add($"  State for scripts: {Path}");
            lines.Add("  Press Ctrl+C to stop.");
            lines.Add("");
            Console.Out.WriteLine(string.Join(Environment.NewLine, lines));
        }
    }
}
