using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using ExcelDataReader;

namespace Dilemma.Tests.Research;

/// <summary>A downloaded export: the sheets in order, each as rows of cells (the header row first).</summary>
public sealed record Workbook(IReadOnlyList<string> SheetNames, IReadOnlyDictionary<string, List<object?[]>> Sheets, byte[] Bytes)
{
    public List<object?[]> this[string sheet] => Sheets[sheet];

    /// <summary>A data sheet's rows as dictionaries keyed by the header.</summary>
    public List<Dictionary<string, object?>> Records(string sheet)
    {
        var rows = Sheets[sheet];
        var header = rows[0].Select(h => (string)h!).ToArray();
        return rows.Skip(1).Select(r => header.Select((h, i) => (h, i < r.Length ? r[i] : null)).ToDictionary(p => p.h, p => p.Item2)).ToList();
    }

    /// <summary>The manifest's key/value rows.</summary>
    public Dictionary<string, object?> Manifest => Sheets["manifest"].Skip(1).ToDictionary(r => (string)r[0]!, r => r[1]);

    /// <summary>The XML of the n-th worksheet (1-based), to check what a reader does not expose.</summary>
    public string SheetXml(int number)
    {
        using var zip = new ZipArchive(new MemoryStream(Bytes), ZipArchiveMode.Read);
        using var reader = new StreamReader(zip.GetEntry($"xl/worksheets/sheet{number}.xml")!.Open());
        return reader.ReadToEnd();
    }
}

/// <summary>Research steps as a client takes them, and an independent reading of what an export holds.</summary>
public static class ResearchKit
{
    public const string Password = "research-password-1";
    public const string Export = "/research/experiments/export/excel";
    public const string Counts = "/research/experiments/debug/counts";
    public const string Ledger = "/research/experiments/exports";

    static ResearchKit() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>A new account granted the researcher role (<see cref="Roles.GrantAsync"/>), signed in with a token that carries it.</summary>
    public static async Task<Player> ResearcherAsync(HttpClient client, IGrainFactory grains, CancellationToken cancellationToken) =>
        new(client, await Roles.NewAccountWithAsync(client, grains, "researcher", cancellationToken, prefix: "res"));

    public static async Task ConsentAsync(Player player, bool data, CancellationToken cancellationToken, bool voice = false)
    {
        var request = AuthClient.Authorized(HttpMethod.Patch, "/auth/me/consent", player.Tokens.AccessToken, JsonContent.Create(new { data_consent = data, voice_consent = voice }, options: HttpAssert.Json));
        await HttpAssert.OkAsync<JsonElement>(await player.Client.SendAsync(request, cancellationToken));
    }

    /// <summary>A UTC instant as a query value.</summary>
    public static string Query(DateTimeOffset time) => Uri.EscapeDataString(time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));

    public static async Task<(Workbook Workbook, HttpResponseMessage Response)> DownloadAsync(Player researcher, string query, CancellationToken cancellationToken)
    {
        var response = await researcher.GetAsync($"{Export}?{query}", cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {Encoding.UTF8.GetString(bytes)}");
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType?.MediaType);
        return (Read(bytes), response);
    }

    /// <summary>Reads a workbook with ExcelDataReader: a reader that shares no code with the writer.</summary>
    public static Workbook Read(byte[] xlsx)
    {
        using var reader = ExcelReaderFactory.CreateOpenXmlReader(new MemoryStream(xlsx));
        var names = new List<string>();
        var sheets = new Dictionary<string, List<object?[]>>();
        do
        {
            var rows = new List<object?[]>();
            while (reader.Read())
            {
                var row = new object?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = reader.GetValue(i);
                }

                rows.Add(row);
            }

            names.Add(reader.Name);
            sheets[reader.Name] = rows;
        }
        while (reader.NextResult());

        return new Workbook(names, sheets, xlsx);
    }

    /// <summary>
    /// SHA-256 of rows (header first) in the canonical form as documented: cells as text (whole numbers in
    /// decimal, TRUE/FALSE, yyyy-MM-dd HH:mm:ss.fff, nothing for empty), backslash/TAB/LF/CR escaped, cells
    /// joined by TAB, rows ended by LF, UTF-8, lower-case hex.
    /// </summary>
    public static string CanonicalHash(IEnumerable<IReadOnlyList<object?>> rows, int columns)
    {
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            for (var i = 0; i < columns; i++)
            {
                if (i > 0)
                {
                    text.Append('\t');
                }

                text.Append(i < row.Count ? CanonicalCell(row[i]) : string.Empty);
            }

            text.Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The text of one cell as a workbook reader returns it.</summary>
    public static string CanonicalCell(object? cell) => cell switch
    {
        null => string.Empty,
        bool b => b ? "TRUE" : "FALSE",
        double d when d == Math.Floor(d) => ((long)d).ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
        string s => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal),
        _ => throw new InvalidOperationException($"A cell of unexpected type {cell.GetType()}: {cell}"),
    };

    /// <summary>Splits RFC 4180 CSV text into rows of cells (quoted cells may hold commas, quotes, line breaks).</summary>
    public static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                row.Add(cell.ToString());
                cell.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(cell.ToString());
                cell.Clear();
                rows.Add([.. row]);
                row.Clear();
                i++;
            }
            else
            {
                cell.Append(c);
            }
        }

        if (row.Count > 0 || cell.Length > 0)
        {
            row.Add(cell.ToString());
            rows.Add([.. row]);
        }

        return rows;
    }
}
