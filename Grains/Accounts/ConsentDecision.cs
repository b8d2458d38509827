using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Consent;

namespace Dilemma.Grains.Accounts;

/// <summary>
/// A consent change as the stores record it: which consents to set (null leaves one as it is),
/// the text version they were given under, and when (UTC).
/// </summary>
public sealed record ConsentDecision(bool? Data, bool? Voice, string Version, DateTime At)
{
    public const string DataKind = "data";
    public const string VoiceKind = "voice";

    /// <summary>
    /// The decision for a change, its version checked: a published version is kept, none at all is
    /// <see cref="ConsentTexts.Unversioned"/>, anything else is refused naming the field.
    /// </summary>
    public static ConsentDecision From(ConsentChange change, DateTime now)
    {
        ConsentTexts.EnsurePublishedIfGiven(change.Version, $"the current one is {ConsentTexts.Current}");
        return new ConsentDecision(change.DataConsent, change.VoiceConsent, change.Version ?? ConsentTexts.Unversioned, now);
    }

    public bool IsEmpty => Data is null && Voice is null;

    /// <summary>
    /// The rows this decision adds for a user whose consents are now <paramref name="dataNow"/> and
    /// <paramref name="voiceNow"/>: one per grant (a renewed grant too, since it may be under a newer
    /// text) and one per withdrawal of a consent held. Declining what was never given adds nothing.
    /// </summary>
    public IEnumerable<ConsentRow> RowsFor(long userId, bool dataNow, bool voiceNow)
    {
        if (Row(userId, DataKind, Data, dataNow) is { } data)
        {
            yield return data;
        }

        if (Row(userId, VoiceKind, Voice, voiceNow) is { } voice)
        {
            yield return voice;
        }
    }

    /// <summary>The user as stored after this decision.</summary>
    public StoredUser Apply(StoredUser user) => user with
    {
        DataConsent = Data ?? user.DataConsent,
        VoiceConsent = Voice ?? user.VoiceConsent,
        DataConsentVersion = Data is true ? Version : user.DataConsentVersion,
        DataConsentAt = Data is true ? At : user.DataConsentAt,
        VoiceConsentVersion = Voice is true ? Version : user.VoiceConsentVersion,
        VoiceConsentAt = Voice is true ? At : user.VoiceConsentAt,
    };

    private ConsentRow? Row(long userId, string kind, bool? wanted, bool held) => wanted switch
    {
        true => new ConsentRow(userId, kind, Version, true, At),
        false when held => new ConsentRow(userId, kind, Version, false, At),
        _ => null,
    };
}

/// <summary>One row of the consent record: a grant or a withdrawal, of data or voice consent, under a text version.</summary>
public sealed record ConsentRow(long UserId, string Kind, string Version, bool Granted, DateTime At);
