package io.ragstream.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QueryParamsTest {
  record Body(String name, Integer size, Map<String, String> tags) {}

  @Test
  void decodesPercentEscapesPlusAndUtf8() {
    QueryParams params = QueryParams.parse("q=hello+w%C3%B6rld%21&empty=&flag&a%2Bb=1%2B1");

    assertThat(params.get("q")).hasValue("hello wörld!");
    assertThat(params.get("empty")).hasValue("");
    assertThat(params.get("flag")).hasValue("");
    assertThat(params.get("a+b")).hasValue("1+1");
    assertThat(params.get("missing")).isEmpty();
    assertThat(params.names()).containsExactly("q", "empty", "flag", "a+b");
  }

  @Test
  void keepsRepeatedValuesInOrderAndGetReturnsTheFirst() {
    QueryParams params = QueryParams.parse("tag=a&tag=b&&tag=c");

    assertThat(params.all("tag")).containsExactly("a", "b", "c");
    assertThat(params.get("tag")).hasValue("a");
  }

  @Test
  void noQueryMeansNoParameters() {
    assertThat(QueryParams.parse(null).names()).isEmpty();
    assertThat(QueryParams.parse("").names()).isEmpty();
  }

  @Test
  void badEncodingIsA400() {
    for (String raw : new String[] {"q=%zz", "q=%4", "q=%", "q=caf%E9", "q=%C3"}) {
      assertThatThrownBy(() -> QueryParams.parse(raw)).as(raw)
          .isInstanceOfSatisfying(HttpError.class, e -> assertThat(e.status()).isEqualTo(400))
          .hasMessageContaining("malformed query string");
    }
  }

  @Test
  void intParamValidatesTypeAndRange() {
    QueryParams params = QueryParams.parse("k=5&bad=five&big=1000");

    assertThat(params.intParam("k", 10, 1, 100)).isEqualTo(5);
    assertThat(params.intParam("absent", 10, 1, 100)).isEqualTo(10);
    assertThatThrownBy(() -> params.intParam("bad", 10, 1, 100)).isInstanceOf(HttpError.class)
        .hasMessage("parameter 'bad' must be an integer, got 'five'");
    assertThatThrownBy(() -> params.intParam("big", 10, 1, 100)).isInstanceOf(HttpError.class)
        .hasMessage("parameter 'big' must be between 1 and 100, got 1000");
  }

  @Test
  void requiredBooleanAndUnknownParameters() {
    QueryParams params = QueryParams.parse("q=%20&on=TRUE&off=false&maybe=yes");

    assertThatThrownBy(() -> params.required("q")).hasMessage("parameter 'q' is required");
    assertThat(params.booleanParam("on", false)).isTrue();
    assertThat(params.booleanParam("off", true)).isFalse();
    assertThat(params.booleanParam("absent", true)).isTrue();
    assertThatThrownBy(() -> params.booleanParam("maybe", false)).isInstanceOf(HttpError.class);
    assertThatThrownBy(() -> params.rejectUnknown(Set.of("q", "on", "off")))
        .hasMessageStartingWith("unknown parameter 'maybe'");
  }

  @Test
  void pathSegmentsKeepPlusAndRejectInvalidUtf8() {
    assertThat(PercentDecoding.decode("a+b%2Fc%F0%9F%98%80", false)).isEqualTo("a+b/c\uD83D\uDE00");
    assertThatThrownBy(() -> PercentDecoding.decode("%FF", false)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void jsonBindingIsStrictAndErrorsNameTheField() {
    assertThat(describe("{\"name\": 5}")).isEqualTo("field 'name' must be a string");
    assertThat(describe("{\"size\": \"5\"}")).isEqualTo("field 'size' must be an integer");
    assertThat(describe("{\"size\": 1.5}")).isEqualTo("field 'size' must be an integer");
    assertThat(describe("{\"tags\": {\"a\": true}}")).isEqualTo("field 'tags.a' must be a string");
    assertThat(describe("{\"tags\": []}")).isEqualTo("field 'tags' must be an object");
    assertThat(describe("{\"nmae\": \"x\"}")).isEqualTo("unknown field 'nmae'");
    assertThat(describe("[]")).isEqualTo("request body must be an object");
    assertThat(describe("")).isEqualTo("request body is empty");
    assertThat(describe("{\"name\": \"x\"} {}")).startsWith("malformed JSON: ");
    assertThat(describe("{\"name\": ")).startsWith("malformed JSON: ");
    assertThat(describe("{\"size\": 99999999999}")).startsWith("field 'size' is invalid: ");
  }

  private static String describe(String json) {
    try {
      HttpJson.mapper().readValue(json, Body.class);
      return "parsed";
    } catch (JsonProcessingException e) {
      return HttpJson.describe(e);
    }
  }

  @Test
  void httpErrorCarriesStatusAndHeaders() {
    HttpError e = HttpError.methodNotAllowed("PUT", Set.of("POST", "GET"));

    assertThat(e.status()).isEqualTo(405);
    assertThat(e.headers()).containsEntry("Allow", "GET, POST");
    assertThat(e.getStackTrace()).isEmpty();
    assertThat(Optional.of(HttpError.payloadTooLarge(10).status())).hasValue(413);
    assertThatThrownBy(() -> new HttpError(200, "ok")).isInstanceOf(IllegalArgumentException.class);
  }
}
