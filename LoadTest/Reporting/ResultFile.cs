using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dilemma.LoadTest.Reporting;

public static class ResultFile
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static async Task WriteAsync(string path, IScenarioResult result, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        await using var file = File.Create(path);
        // The runtime type: serialized as the interface, only the interface's members would be written.
        await JsonSerializer.SerializeAsync(file, result, result.GetType(), Json, cancellationToken);
    }
}
