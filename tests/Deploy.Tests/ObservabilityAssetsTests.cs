using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Platform.Deploy.Tests;

public sealed partial class ObservabilityAssetsTests
{
    private static readonly string Root = Repository.Root;
    private static readonly string Directory = Path.Combine(Root, "deploy", "observability");

    [Fact]
    public async Task Promtool_accepts_the_alert_rules()
    {
        var (exitCode, output, error) = await Tool.RunAsync("promtool", "check", "rules", Path.Combine(Directory, "platform-alerts.yml"));
        Assert.True(exitCode == 0, output + error);
    }

    [Fact]
    public void The_rules_cover_every_alert_the_operators_asked_for()
    {
        var alerts = Rules().Select(r => r.Alert).ToList();
        foreach (var required in new[]
                 {
                     "PlatformAuthFailureSpike", "PlatformRateLimitRejectionRatioHigh", "PlatformAuditLagHigh", "PlatformAuditVerifyFailed",
                     "PlatformWebhookDeadLetters", "PlatformHttpErrorRateHigh", "PlatformToolCallLatencyP99High",
                 })
        {
            Assert.Contains(required, alerts);
        }
    }

    [Fact]
    public void Every_alert_uses_emitted_metrics_or_is_marked_not_emitted()
    {
        var emitted = EmittedMetrics();
        foreach (var (alert, expression, notEmitted) in Rules())
        {
            var missing = MetricsIn(expression).Where(m => !emitted.Contains(m)).ToList();
            Assert.True(missing.Count == 0 == !notEmitted,
                $"{alert}: metrics not emitted [{string.Join(", ", missing)}], marked not_emitted: {notEmitted}");
        }
    }

    [Fact]
    public void Every_dashboard_query_uses_emitted_metrics_or_says_it_is_not_emitted()
    {
        var emitted = EmittedMetrics();
        var dashboard = JsonNode.Parse(File.ReadAllText(Path.Combine(Directory, "grafana-dashboard.json")))!;
        var panels = dashboard["panels"]!.AsArray();
        Assert.NotEmpty(panels);
        foreach (var panel in panels)
        {
            var description = (string?)panel!["description"] ?? "";
            foreach (var target in panel["targets"]!.AsArray())
            {
                var missing = MetricsIn((string)target!["expr"]!).Where(m => !emitted.Contains(m)).ToList();
                Assert.True(missing.Count == 0 || description.Contains("not emitted yet", StringComparison.Ordinal),
                    $"panel '{panel["title"]}' uses [{string.Join(", ", missing)}] without saying they are not emitted yet");
            }
        }
    }

    [Fact]
    public void Prometheus_scrapes_the_metrics_endpoint_of_platform_services_and_loads_the_rules()
    {
        var config = (YamlMappingNode)Load("prometheus.yml");
        var ruleFiles = ((YamlSequenceNode)config["rule_files"]).Select(n => n.ToString()).ToList();
        Assert.All(ruleFiles, f => Assert.True(File.Exists(Path.Combine(Directory, f)), f));
        var job = (YamlMappingNode)Assert.Single((YamlSequenceNode)config["scrape_configs"]);
        Assert.Equal("/metrics", job["metrics_path"].ToString());
        var keep = ((YamlSequenceNode)job["relabel_configs"]).Cast<YamlMappingNode>()
            .Where(r => r.Children.TryGetValue("action", out var action) && action.ToString() == "keep")
            .ToDictionary(r => ((YamlSequenceNode)r["source_labels"]).Single().ToString(), r => r["regex"].ToString());
        Assert.Equal("platform", keep["__meta_kubernetes_service_label_app_kubernetes_io_part_of"]);
        Assert.Equal("http", keep["__meta_kubernetes_endpoint_port_name"]);
    }

    private static List<(string Alert, string Expression, bool NotEmitted)> Rules()
    {
        var groups = (YamlSequenceNode)((YamlMappingNode)Load("platform-alerts.yml"))["groups"];
        return
        [
            .. groups.Cast<YamlMappingNode>()
                .SelectMany(g => ((YamlSequenceNode)g["rules"]).Cast<YamlMappingNode>())
                .Select(r => (
                    r["alert"].ToString(),
                    r["expr"].ToString(),
                    r.Children.TryGetValue("labels", out var labels)
                        && ((YamlMappingNode)labels).Children.TryGetValue("metric_status", out var status)
                        && status.ToString() == "not_emitted")),
        ];
    }

    private static YamlNode Load(string file)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(Directory, file))));
        return stream.Documents.Single().RootNode;
    }

    private static IEnumerable<string> MetricsIn(string expression) =>
        MetricName().Matches(expression).Select(m => m.Value).Distinct();

    /// <summary>
    /// The Prometheus names of every instrument the services create, read from their source so that a renamed
    /// metric breaks this test rather than a dashboard. Naming follows the OpenTelemetry Prometheus exporter.
    /// </summary>
    private static HashSet<string> EmittedMetrics()
    {
        var emitted = new HashSet<string>(StringComparer.Ordinal)
        {
            // ASP.NET Core's own request histogram (seconds) and Prometheus' scrape health.
            "http_server_request_duration_seconds_bucket",
            "http_server_request_duration_seconds_count",
            "http_server_request_duration_seconds_sum",
            "up",
        };
        var sources = System.IO.Directory.EnumerateFiles(Path.Combine(Root, "services"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        foreach (var source in sources)
        {
            foreach (Match instrument in Instrument().Matches(File.ReadAllText(source)))
            {
                var name = instrument.Groups["name"].Value.Replace('.', '_');
                var unit = instrument.Groups["unit"].Value switch
                {
                    "ms" => "_milliseconds",
                    "s" => "_seconds",
                    "By" => "_bytes",
                    _ => "",
                };
                if (instrument.Groups["kind"].Value == "Histogram")
                {
                    emitted.UnionWith(new[] { "_bucket", "_count", "_sum" }.Select(suffix => name + unit + suffix));
                }
                else
                {
                    emitted.Add(name + unit + (instrument.Groups["kind"].Value == "Counter" ? "_total" : ""));
                }
            }
        }

        Assert.Contains("platform_tool_calls_total", emitted);
        return emitted;
    }

    [GeneratedRegex(@"\b(platform_[a-z0-9_]+|http_server_[a-z0-9_]+|up)\b(?=\s*[{\[)=<>!]|\s*$)")]
    private static partial Regex MetricName();

    [GeneratedRegex("""Create(?<kind>Counter|Histogram|UpDownCounter|Gauge)<\w+>\(\s*"(?<name>[a-z0-9._]+)"(?:\s*,\s*(?:unit:\s*)?"(?<unit>[^"]*)")?""")]
    private static partial Regex Instrument();
}
