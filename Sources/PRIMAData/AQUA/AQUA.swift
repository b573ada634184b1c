/// AQUA-style datasets (slit-lamp photos of infectious keratitis, several per patient) in a generic layout:
///
/// - `manifest.csv` — one row per photo: `patient_id,image_path,illumination,label` (`image_path` relative to
///   the dataset folder; `label` one of the schema's classes);
/// - `metadata.csv` — one row per patient: `patient_id` and one column per schema field;
/// - `schema.json` — a ``MetadataSchema``: the fields, their types and phrasing, and the classes.
///
/// The real AQUA data is private; ``keratitisSchema`` is a binary fungal/bacterial preset with typical
/// keratitis risk factors **[ours]**.
public enum AQUA {
    /// The manifest's columns.
    public static let manifestColumns = ["patient_id", "image_path", "illumination", "label"]

    /// Slit-lamp illumination modes of the preset.
    public static let illuminations = ["diffuse", "slit", "cobalt_blue"]

    /// Binary fungal vs bacterial keratitis (class 0 bacterial, class 1 fungal).
    public static let keratitisSchema: MetadataSchema = {
        func yesNo(_ name: String, _ yes: String, _ no: String) -> MetadataField {
            MetadataField(name: name, kind: .boolean, text: MetadataPhrase(whenTrue: yes, whenFalse: no))
        }
        return MetadataSchema(
            label: .init(field: "label", classes: ["bacterial", "fungal"]),
            fields: [
                MetadataField(name: "age", kind: .number, bins: [30, 45, 60, 75], text: MetadataPhrase(template: "Age {value}.")),
                MetadataField(name: "gender", kind: .category, values: ["FEMALE", "MALE"],
                              text: MetadataPhrase(template: "{value}.", valueNames: ["FEMALE": "Female", "MALE": "Male"])),
                yesNo("contact_lens", "Wears contact lenses.", "No contact lens wear."),
                yesNo("ocular_trauma", "Recent eye trauma.", "No eye trauma."),
                yesNo("plant_trauma", "Injury with plant matter.", "No injury with plant matter."),
                yesNo("agricultural_work", "Works in agriculture.", "Not an agricultural worker."),
                yesNo("topical_steroids", "Used steroid eye drops.", "No steroid eye drops."),
                yesNo("diabetes", "Has diabetes.", "No diabetes."),
                yesNo("hypopyon", "Hypopyon present.", "No hypopyon."),
                MetadataField(name: "symptom_days", kind: .number, bins: [3, 7, 14, 30],
                              text: MetadataPhrase(template: "Symptoms for {value} days.")),
                MetadataField(name: "ulcer_size_mm", kind: .number, bins: [2, 4, 6],
                              text: MetadataPhrase(template: "Ulcer {value} mm across.")),
            ])
    }()
}
