namespace Platform.Deploy.Planning;

/// <summary>The Secrets a deployment needs, in the order their keys are first used, each key once.</summary>
internal sealed class SecretCatalog
{
    private readonly List<(string Name, string Owner, List<SecretEntry> Entries)> _secrets = [];

    public IReadOnlyList<PlannedSecret> Secrets =>
        [.. _secrets.Where(s => s.Entries.Count > 0).Select(s => new PlannedSecret(s.Name, s.Owner, [.. s.Entries]))];

    /// <summary>Fixes the position of a Secret before its first key is known.</summary>
    public void Declare(string name, string owner) => Find(name, owner);

    public IReadOnlyList<SecretEntry> Entries(string name) => _secrets.SingleOrDefault(s => s.Name == name).Entries ?? [];

    public SecretKeyReference Add(string name, string owner, string key, string supply)
    {
        var entries = Find(name, owner);
        if (entries.All(e => e.Key != key))
        {
            entries.Add(new SecretEntry(key, supply));
        }

        return new SecretKeyReference(name, key);
    }

    private List<SecretEntry> Find(string name, string owner)
    {
        var index = _secrets.FindIndex(s => s.Name == name);
        if (index < 0)
        {
            _secrets.Add((name, owner, []));
            index = _secrets.Count - 1;
        }

        return _secrets[index].Entries;
    }
}
