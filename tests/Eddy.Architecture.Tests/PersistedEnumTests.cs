using Eddy.Core;
using Eddy.Protocol.EventStream;

namespace Eddy.Architecture.Tests;

/// <summary>
/// Enums whose numbers are stored (the catalog) or sent (the event-stream header types are AWS's): their names and
/// numbers are frozen here. A new member gets a new number and a line below; a number never changes or is reused.
/// </summary>
public class PersistedEnumTests
{
    public static TheoryData<Type, string> Frozen() => new()
    {
        { typeof(StreamStatus), "Creating=0 Deleting=1 Active=2 Updating=3" },
        { typeof(StreamMode), "Provisioned=0 OnDemand=1" },
        { typeof(ConsumerStatus), "Creating=0 Deleting=1 Active=2" },
        { typeof(Eddy.Core.Firehose.DeliveryStreamStatus), "Creating=0 Active=1 Deleting=2 CreatingFailed=3 DeletingFailed=4" },
        { typeof(Eddy.Core.Firehose.DeliveryEncryptionStatus), "Disabled=0 Enabling=1 Enabled=2 Disabling=3 EnablingFailed=4 DisablingFailed=5" },
        { typeof(EventHeaderType), "BoolTrue=0 BoolFalse=1 Byte=2 Int16=3 Int32=4 Int64=5 ByteArray=6 String=7 Timestamp=8 Uuid=9" },
    };

    [Theory]
    [MemberData(nameof(Frozen))]
    public void A_persisted_enum_keeps_its_names_and_numbers(Type type, string frozen)
    {
        var actual = string.Join(' ', Enum.GetValues(type).Cast<object>().Select(v => $"{Enum.GetName(type, v)}={Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)}"));
        Assert.Equal(frozen, actual);
    }
}
