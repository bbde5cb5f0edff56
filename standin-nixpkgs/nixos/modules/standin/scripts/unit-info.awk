# unit-info.awk FILE...: a systemd unit file and its drop-ins, parsed as
# switch-to-configuration-ng's parse_unit does: one line per key,
# "Section<TAB>Key<TAB>values", the values in order joined by \036; an empty
# value clears the ones before it; the [Install] section is left out.
{
  line = $0
  sub(/\r$/, "", line)
  if (cont != "") { line = cont line; cont = "" }
  if (line ~ /\\$/) { cont = substr(line, 1, length(line) - 1) " "; next }
  if (line ~ /^[ \t]*([#;]|$)/) next
  if (line ~ /^[ \t]*\[.*\][ \t]*$/) {
    section = line
    gsub(/^[ \t]*\[|\][ \t]*$/, "", section)
    next
  }
  i = index(line, "=")
  if (i == 0 || section == "Install") next
  key = substr(line, 1, i - 1)
  value = substr(line, i + 1)
  gsub(/^[ \t]+|[ \t]+$/, "", key)
  gsub(/^[ \t]+|[ \t]+$/, "", value)
  id = section "\t" key
  if (!(id in seen)) { seen[id] = 1; order[++n] = id }
  if (value == "") { values[id] = ""; count[id] = 0 }
  else { values[id] = values[id] (count[id] ? "\036" : "") value; count[id]++ }
}
END { for (j = 1; j <= n; j++) print order[j] "\t" values[order[j]] }
