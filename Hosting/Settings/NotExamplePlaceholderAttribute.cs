using System.ComponentModel.DataAnnotations;

namespace Dilemma.Hosting.Settings;

/// <summary>
/// Refuses a secret still holding the committed examples' placeholder (<c>.env.example</c>, the overlays'
/// <c>secrets.env.example</c>): those values are public, so a deployment copied from an example and started as it is
/// would sign tokens, withdrawal codes or pseudonyms anyone can forge or reverse. Length rules cannot catch them,
/// as every placeholder is written long enough to pass.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotExamplePlaceholderAttribute : ValidationAttribute
{
    /// <summary>What every placeholder in the committed examples begins with.</summary>
    public const string Marker = "change-me";

    public NotExamplePlaceholderAttribute()
        : base($"is the example's placeholder (it contains \"{Marker}\"), which is public: set a secret of your own, e.g. from `openssl rand -base64 48`")
    {
    }

    public static bool IsPlaceholder(string? value) => value?.Contains(Marker, StringComparison.OrdinalIgnoreCase) == true;

    public override bool IsValid(object? value) => !IsPlaceholder(value as string);
}
