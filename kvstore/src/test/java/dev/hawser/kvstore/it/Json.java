package dev.hawser.kvstore.it;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Reading etcdctl's {@code -w json} output (Go's encoding/json: numbers, base64 bytes). */
final class Json {
  private Json() {}

  static JsonElement parse(String text) {
    return JsonParser.parseString(text.strip());
  }

  static JsonObject object(String text) {
    return parse(text).getAsJsonObject();
  }

  static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  static String decodeBase64(JsonElement element) {
    return new String(Base64.getDecoder().decode(element.getAsString()), StandardCharsets.UTF_8);
  }

  /** A field that Go leaves out when it is zero reads as 0. */
  static long longOr0(JsonObject object, String field) {
    return object.has(field) ? object.get(field).getAsLong() : 0L;
  }
}
